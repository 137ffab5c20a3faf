"""A GiST index on (footprint, created), PostgreSQL only: the newest rasters in an area first.

The catalog's default order is newest first. With the footprint's own index, a page of a search
reads every raster in the area and sorts them: ~3,000 rows for a small box in a dense area of a
10,000,000-raster catalog. btree_gist lets this index hold `created` beside the footprint and
return the area's rasters in order of `created <-> a far future instant`, newest first, so a page
reads a few hundred (search/keyset.py). SpatiaLite keeps the plain sort.

btree_gist ships with PostgreSQL (contrib) and is a trusted extension: the database's owner may
create it, as for postgis. On a large table, create the index beforehand with CONCURRENTLY (the
statement below, `CREATE INDEX CONCURRENTLY IF NOT EXISTS …`) to avoid blocking writes meanwhile.
"""

from django.db import migrations

INDEX = "rastercatalog_raster_footprint_created"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON rastercatalog_raster USING gist (footprint, created)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("rastercatalog", "0006_collection_overview"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
