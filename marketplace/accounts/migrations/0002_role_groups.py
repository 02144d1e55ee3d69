"""Create the Commissioners and Editors groups with the permissions their work needs.

Commissioners: sign in to the Wagtail admin; add, change and view providers;
view the taxonomies and places; change the council settings.

Editors (Wagtail's own migrations create this group with page rights on the
root and image and document rights): sign in to the admin; add, change and
publish pages under the home page; add, change and view the taxonomies; add,
change and choose images and documents in the root collection.

Reversing removes the Commissioners group and what this migration gave
Editors beyond Wagtail's defaults.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COMMISSIONERS = "Commissioners"
EDITORS = "Editors"
TAXONOMY_MODELS = ("servicetype", "clientgroup", "specialism", "language")

COMMISSIONER_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("providers", "provider", "add_provider"),
    ("providers", "provider", "change_provider"),
    ("providers", "provider", "view_provider"),
    *[("providers", model, f"view_{model}") for model in TAXONOMY_MODELS],
    ("places", "locality", "view_locality"),
    ("places", "place", "view_place"),
    ("cms", "councilsettings", "change_councilsettings"),
    ("cms", "councilsettings", "view_councilsettings"),
]
EDITOR_TAXONOMY_PERMISSIONS = [
    ("providers", model, f"{action}_{model}") for model in TAXONOMY_MODELS for action in ("add", "change", "view")
]
EDITOR_PERMISSIONS = [("wagtailadmin", "admin", "access_admin"), *EDITOR_TAXONOMY_PERMISSIONS]
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
EDITOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", codename) for codename in ("add_image", "change_image", "choose_image")
] + [("wagtaildocs", "document", codename) for codename in ("add_document", "change_document", "choose_document")]


def _ensure_permissions_exist(apps):
    """Permissions are normally made after migrating; make them now so the groups can hold them.

    (wagtailadmin's access_admin permission is made by its own first migration.)
    """
    for label in ("providers", "places", "cms", "wagtailcore", "wagtailimages", "wagtaildocs"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permission(apps, app_label, model, codename):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=app_label, content_type__model=model, codename=codename)


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    HomePage = apps.get_model("cms", "HomePage")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    _ensure_permissions_exist(apps)

    commissioners, _ = Group.objects.get_or_create(name=COMMISSIONERS)
    commissioners.permissions.add(*[_permission(apps, *spec) for spec in COMMISSIONER_PERMISSIONS])

    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.add(*[_permission(apps, *spec) for spec in EDITOR_PERMISSIONS])
    for home in HomePage.objects.all():
        for codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=editors, page_id=home.pk, permission=_permission(apps, "wagtailcore", "page", codename)
            )
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for spec in EDITOR_COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=editors, collection=root_collection, permission=_permission(apps, *spec)
            )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    HomePage = apps.get_model("cms", "HomePage")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Permission = apps.get_model("auth", "Permission")

    Group.objects.filter(name=COMMISSIONERS).delete()
    editors = Group.objects.filter(name=EDITORS).first()
    if editors is None:
        return
    GroupPagePermission.objects.filter(
        group=editors,
        page_id__in=HomePage.objects.values_list("pk", flat=True),
        permission__codename__in=EDITOR_PAGE_PERMISSIONS,
    ).delete()
    editors.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label="providers",
            codename__in=[codename for _, _, codename in EDITOR_TAXONOMY_PERMISSIONS],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("providers", "0002_search_vector_gin_index"),
        ("places", "0001_initial"),
        ("cms", "0002_create_site_pages"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
