"""ORG-4: a policy override carries its region path, so a bureau officer sees school overrides of their region."""

from django.db import migrations, models


def fill_paths(apps, schema_editor):
    PolicyOverride = apps.get_model("policy", "PolicyOverride")
    for o in PolicyOverride.objects.select_related("region", "school"):
        o.region_path = o.school.region_path if o.school_id else (o.region.path if o.region_id else "")
        o.save(update_fields=["region_path"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial"), ("org", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="policyoverride",
            name="region_path",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=100),
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop),
    ]
