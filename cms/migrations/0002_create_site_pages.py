"""Replace Wagtail's welcome page with the home page and add the directory at /directory/."""

from django.db import migrations


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")
    DirectoryPage = apps.get_model("cms.DirectoryPage")

    if HomePage.objects.exists():
        return
    locale = Locale.objects.first()
    Page.objects.filter(depth=2, slug="home").delete()  # Wagtail's welcome page
    root = Page.objects.get(depth=1)
    home_type, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    directory_type, _ = ContentType.objects.get_or_create(app_label="cms", model="directorypage")
    home = HomePage.objects.create(
        title="Find care and support",
        draft_title="Find care and support",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        heading="Find care and support",
        intro="Search for personal assistants, small local providers and day services "
        "you can pay for with your direct payment.",
    )
    DirectoryPage.objects.create(
        title="Search the directory",
        draft_title="Search the directory",
        slug="directory",
        content_type=directory_type,
        path=f"{home.path}0001",
        depth=3,
        numchild=0,
        url_path="/home/directory/",
        locale=locale,
        intro="Personal assistants, micro-providers, day services and home care agencies.",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page_id=home.id, is_default_site=True,
                        site_name="Find care and support")


def remove_pages(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_pages, remove_pages)]
