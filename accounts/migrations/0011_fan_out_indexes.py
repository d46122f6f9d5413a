from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently: residences keep being registered and verified while the indexes are made.
    atomic = False

    dependencies = [
        ("accounts", "0010_columns_default_in_the_database"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="residence",
            index=models.Index(fields=["commune", "status", "user"], name="residence_commune_users"),
        ),
        AddIndexConcurrently(
            model_name="residenceneighbourhood",
            index=models.Index(fields=["zone", "residence"], name="residence_neighbourhood_homes"),
        ),
    ]
