"""Every query parameter of the API: its parser beside its OpenAPI declaration, one module per family.

core.py     the shared parsing: a bad value is a 400 (ParameterInvalid) naming the parameter
search.py   the catalog search's fields (RasterFilterSet in api/filters.py declares them)
stac.py     the STAC search's parameters, translated to the catalog search's
tiles.py    tiles, TileJSON, colormap legends (style, tilesize, format, legend size)
data.py     region, thumbnail, pixel, histogram

A package rather than one module: together they are several times the 300-line limit.
"""
