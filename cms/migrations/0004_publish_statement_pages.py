"""Publish the accessibility statement, privacy notice and cookies page under the home page.

Editors change the words in Wagtail afterwards; the council's contacts, its
data protection officer and the list of cookies are drawn in by the template
from the council settings and the code. Pages that already exist (by kind)
are left alone.
"""

import datetime
import json
import uuid

from django.db import migrations

PREPARED_ON = datetime.date(2026, 12, 4)


def _block(block_type, value):
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def heading(text):
    return _block("heading", text)


def paragraph(html):
    return _block("paragraph", html)


def inset(html):
    return _block("inset_text", html)


ACCESSIBILITY = {
    "kind": "accessibility",
    "title": "Accessibility statement",
    "slug": "accessibility-statement",
    "summary": "How accessible this website is, what we know is not yet right, and how to tell us about a problem.",
    "search_description": "How accessible the council's care and support directory is, the problems we know "
    "about and how to ask for information in another format.",
    "body": [
        paragraph(
            "<p>We want as many people as possible to be able to use this website. For example, that means "
            "you should be able to:</p><ul><li>change colours, contrast levels and fonts using browser or "
            "device settings</li><li>zoom in up to 400% without the text spilling off the screen</li>"
            "<li>navigate most of the website using a keyboard or speech recognition software</li>"
            "<li>listen to most of the website using a screen reader (including the most recent versions "
            "of JAWS, NVDA and VoiceOver)</li></ul><p>We have also made the website text as simple as "
            "possible to understand, and the information and advice has an easy read version.</p>"
            '<p><a href="https://mcmw.abilitynet.org.uk/">AbilityNet</a> has advice on making your device '
            "easier to use if you have a disability.</p>"
        ),
        heading("How accessible this website is"),
        paragraph(
            "<p>We know some parts of this website are not fully accessible:</p><ul>"
            "<li>profiles are written by the providers themselves, so some descriptions are long or not in "
            "plain English</li>"
            "<li>documents providers upload as evidence for vetting (such as insurance certificates) may be "
            "scanned images or PDFs that a screen reader cannot read</li>"
            "<li>the council staff's area, which runs on the Wagtail content management system, has screens "
            "we did not build; automated checks find problems on some of them</li></ul>"
        ),
        heading("Feedback and contact information"),
        paragraph(
            "<p>If you need information on this website in a different format like accessible PDF, large "
            "print, easy read, audio recording or braille, use the contact details at the top of this page. "
            "We'll consider your request and get back to you in 10 working days.</p>"
        ),
        heading("Reporting accessibility problems with this website"),
        paragraph(
            "<p>We're always looking to improve the accessibility of this website. If you find any problems "
            "not listed on this page or think we're not meeting accessibility requirements, contact us using "
            "the details at the top of this page.</p>"
        ),
        heading("Enforcement procedure"),
        paragraph(
            "<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public "
            "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the "
            "‘accessibility regulations’). If you're not happy with how we respond to your complaint, "
            '<a href="https://www.equalityadvisoryservice.com/">contact the Equality Advisory and Support '
            "Service (EASS)</a>.</p>"
        ),
        heading("Technical information about this website's accessibility"),
        paragraph(
            "<p>The council is committed to making its website accessible, in accordance with the Public "
            "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.</p>"
        ),
        heading("Compliance status"),
        paragraph(
            '<p>This website is partially compliant with the <a href="https://www.w3.org/TR/WCAG22/">Web '
            "Content Accessibility Guidelines version 2.2</a> AA standard, due to the non-compliances listed "
            "below.</p>"
        ),
        heading("Non-accessible content"),
        paragraph(
            "<p>The content listed below is non-accessible for the following reasons.</p>"
            "<p><b>Non-compliance with the accessibility regulations</b></p><ul>"
            "<li>Some screens of the council staff's area come from the Wagtail content management system "
            "and have automated-check failures, such as form controls without a name (WCAG 4.1.2 Name, Role, "
            "Value). We report them to Wagtail and check each new version.</li></ul>"
            "<p><b>Content that's not within the scope of the accessibility regulations</b></p><ul>"
            "<li>Evidence documents uploaded by providers are third-party content we do not fund or control; "
            "we ask for them only to check a provider, and we do not publish them.</li>"
            "<li>Profile descriptions are written by providers. We ask them to write plainly and edit "
            "anything that is misleading.</li></ul>"
        ),
        heading("What we're doing to improve accessibility"),
        paragraph(
            "<p>Every public page is checked with the axe automated checker each time the website changes, "
            "and pages are tried at 320 pixels wide, with a keyboard only, and without JavaScript. We will "
            "test the website with disabled people who use direct payments, and fix what they find.</p>"
        ),
        heading("Preparation of this accessibility statement"),
        paragraph(
            "<p>This statement was prepared on 4 December 2026. The website was last tested by the team that "
            "builds it, with automated checks on every public page and manual checks of the main journeys: "
            "searching the directory, reading a profile, joining the directory and signing in.</p>"
        ),
    ],
}

PRIVACY = {
    "kind": "privacy",
    "title": "Privacy notice",
    "slug": "privacy-notice",
    "summary": "What personal information this website holds about you, why, for how long, who sees it and "
    "what your rights are.",
    "search_description": "How the council uses the personal information of people who use the care and "
    "support directory, providers and direct payment holders, under the UK GDPR.",
    "body": [
        paragraph(
            "<p>The council is the controller of the personal information this website holds: it decides "
            "why and how it is used. The council's contact details and those of its data protection officer "
            "are at the top of this page.</p>"
        ),
        heading("What we hold and why"),
        paragraph(
            "<p><b>If you search the directory without signing in</b>, we keep no information about you "
            "beyond the essential cookies described on the cookies page.</p>"
            "<p><b>When you sign in</b>, we count wrong passwords against your account and your internet "
            "address for up to a day, to slow down people trying to guess passwords.</p>"
            "<p><b>If you have an account</b>, we hold your email address, your name if you give it, your "
            "password (scrambled so nobody can read it) and, if you set one up, your authenticator app's "
            "secret.</p>"
            "<p><b>If you receive a direct payment</b>, we also hold the area you live in, your primary "
            "support need (such as learning disability or mental health), your shortlist, the enquiries "
            "and messages you send to providers, your adverts for a personal assistant and your saved "
            "searches, and who acts for you (a family member, authorised person or money manager).</p>"
            "<p><b>If you are a provider</b>, we hold your profile, your contact details, your prices and "
            "availability, the evidence you send for vetting (such as insurance certificates and your DBS "
            "certificate number, which is encrypted) and the outcome of our checks and monitoring visits. "
            "We do not keep details of any conviction.</p>"
        ),
        heading("Health information (special category data)"),
        paragraph(
            "<p>Your primary support need, and anything you write about your health in an enquiry or "
            "advert, is information about your health. The UK GDPR calls this special category data and "
            "protects it more strongly.</p><ul>"
            "<li>Only you, the people who act for you and the council's commissioners can see it.</li>"
            "<li>Commissioners' reports only ever show counts of people (such as how many people with a "
            "learning disability live in each area), never who they are.</li>"
            "<li>Providers only see what you choose to send them in an enquiry or advert.</li></ul>"
        ),
        heading("Our lawful basis"),
        paragraph(
            "<p>We use your information because we need it to perform a task in the public interest and "
            "exercise the council's official authority (UK GDPR Article 6(1)(e)): our duties under the "
            "Care Act 2014 to provide information and advice, to shape a diverse market of care and "
            "support, and to make and monitor direct payments under the Care and Support (Direct Payments) "
            "Regulations 2014.</p>"
            "<p>For health information we also rely on Article 9(2)(h), the provision of social care, and "
            "Article 9(2)(g), reasons of substantial public interest, with the conditions in Schedule 1 of "
            "the Data Protection Act 2018 (paragraph 2, health or social care purposes, and paragraph 6, "
            "statutory and government purposes).</p>"
            "<p>For providers, we also rely on legal obligations (Article 6(1)(c)) where the law requires "
            "a check, such as a DBS check for work with adults at risk.</p>"
        ),
        heading("How long we keep it"),
        paragraph(
            "<ul><li>Accounts, with your shortlist, enquiries, messages, adverts and saved searches: until "
            "you ask us to close your account.</li>"
            "<li>Providers' profiles, vetting evidence and check results: 6 years after the provider leaves "
            "the directory, as for other records of the council's contracts.</li>"
            "<li>Direct payment records: 7 years after the direct payment ends, as the council keeps its "
            "financial records.</li></ul>"
        ),
        heading("Who we share it with"),
        paragraph(
            "<p>We do not sell your information or use it for marketing. We share it only:</p><ul>"
            "<li>with a provider, when you send them an enquiry or apply to an advert</li>"
            "<li>with the Care Quality Commission, Companies House and the Disclosure and Barring Service, "
            "to check a provider's registration and DBS certificate</li>"
            "<li>with the companies that host this website and send its emails, under contracts that let "
            "them use it only for us</li>"
            "<li>where the law requires, for example to protect an adult at risk of abuse</li></ul>"
            "<p>Providers' published profiles are open data: anyone may reuse them under the Open "
            "Government Licence. Nothing about people who use services is in the open data.</p>"
        ),
        heading("Your rights"),
        paragraph(
            "<p>You have the right to:</p><ul><li>ask for a copy of the information we hold about you</li>"
            "<li>ask us to correct it if it is wrong</li><li>ask us to delete it or limit how we use it, "
            "where the law allows</li><li>object to how we use it</li></ul>"
            "<p>Most of your information you can see and change yourself when you sign in. For anything "
            "else, contact the data protection officer. We will answer within one month.</p>"
        ),
        heading("Complaints"),
        paragraph(
            "<p>If you are unhappy with how we have used your information, contact the data protection "
            "officer first. You can also complain to the Information Commissioner's Office, Wycliffe House, "
            'Water Lane, Wilmslow, Cheshire SK9 5AF, telephone 0303 123 1113, <a href="https://ico.org.uk/'
            'make-a-complaint/">ico.org.uk/make-a-complaint</a>.</p>'
        ),
    ],
}

COOKIES = {
    "kind": "cookies",
    "title": "Cookies",
    "slug": "cookies",
    "summary": "Cookies are small files saved on your phone, tablet or computer when you visit a website. "
    "This website only uses the cookies it needs to work.",
    "search_description": "The cookies the council's care and support directory puts on your device, what "
    "each is for and when it expires. We use no analytics or advertising cookies.",
    "body": [
        heading("Essential cookies"),
        paragraph(
            "<p>Essential cookies keep your information secure and let you sign in. We do not need to ask "
            "permission to use them, and you cannot turn them off here. You can block or delete them in your "
            "browser's settings, but then you will not be able to sign in or send forms.</p>"
        ),
        inset(
            "<p>We do not use cookies to measure how you use the website, to remember your choices for "
            "advertising, or from other companies.</p>"
        ),
    ],
}

STATEMENTS = (ACCESSIBILITY, PRIVACY, COOKIES)


def publish_statements(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("cms.HomePage")
    StatementPage = apps.get_model("cms.StatementPage")
    Page = apps.get_model("wagtailcore.Page")

    home = HomePage.objects.order_by("path").first()
    if home is None:
        return
    statement_type, _ = ContentType.objects.get_or_create(app_label="cms", model="statementpage")
    for content in STATEMENTS:
        if StatementPage.objects.filter(kind=content["kind"]).exists():
            continue
        home.refresh_from_db()
        last_child = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path").first()
        # Wagtail's materialised path: four base-36 digits per level.
        next_number = int(last_child.path[-4:], 36) + 1 if last_child else 1
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        step = ""
        for _ in range(4):
            next_number, remainder = divmod(next_number, 36)
            step = digits[remainder] + step
        StatementPage.objects.create(
            title=content["title"],
            draft_title=content["title"],
            slug=content["slug"],
            content_type=statement_type,
            path=home.path + step,
            depth=home.depth + 1,
            numchild=0,
            url_path=f"{home.url_path}{content['slug']}/",
            locale_id=home.locale_id,
            live=True,
            has_unpublished_changes=False,
            first_published_at=datetime.datetime.combine(PREPARED_ON, datetime.time(12), tzinfo=datetime.UTC),
            last_published_at=datetime.datetime.combine(PREPARED_ON, datetime.time(12), tzinfo=datetime.UTC),
            search_description=content["search_description"],
            kind=content["kind"],
            summary=content["summary"],
            body=json.dumps(content["body"]),
            last_reviewed=PREPARED_ON,
        )
        home.numchild = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).count()
        home.save(update_fields=["numchild"])


def unpublish_statements(apps, schema_editor):
    StatementPage = apps.get_model("cms.StatementPage")
    Page = apps.get_model("wagtailcore.Page")
    for page in StatementPage.objects.all():
        parent = Page.objects.filter(path=page.path[:-4]).first()
        page.delete()
        if parent is not None:
            parent.numchild = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).count()
            parent.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_statement_pages_and_data_protection_officer"),
    ]

    operations = [migrations.RunPython(publish_statements, unpublish_statements)]
