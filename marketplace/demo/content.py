"""The demo council's settings and its information and advice pages.

The advice follows the three stages people go through (choosing a personal
budget type, setting up a direct payment, managing it) and reflects the
Care Act 2014 and the Care and Support (Direct Payments) Regulations 2014.
Local details (phone numbers, how often accounts are checked) belong to the
fictional Wendleshire County Council.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from wagtail.models import Site
from wagtail.rich_text import RichText

from cms.models import AdvicePage, AdviceStage, CouncilSettings, HomePage, ManagedServiceRate
from marketplace.providers.models import ProviderPrice

COUNCIL_NAME = "Wendleshire County Council"
COUNCIL_PHONE = "01632 960000"
COUNCIL_EMAIL = "adultsocialcare@wendleshire.example"
DATA_PROTECTION_OFFICER_EMAIL = "dataprotection@wendleshire.example"
DATA_PROTECTION_OFFICER_ADDRESS = "Data Protection Officer\nWendleshire County Council\nCounty Hall\nDunmere\nWD1 1AA"

# What the council pays for services it arranges itself, for people to compare with.
MANAGED_SERVICE_RATES: tuple[tuple[str, str, str], ...] = (
    ("personal-care", ProviderPrice.Unit.HOUR, "24.50"),
    ("domestic-help", ProviderPrice.Unit.HOUR, "21.80"),
    ("shopping-and-meal-preparation", ProviderPrice.Unit.HOUR, "21.80"),
    ("sitting-service", ProviderPrice.Unit.HOUR, "22.40"),
    ("companionship", ProviderPrice.Unit.HOUR, "21.00"),
    ("overnight-support", ProviderPrice.Unit.NIGHT, "135.00"),
    ("respite-and-short-breaks", ProviderPrice.Unit.NIGHT, "145.00"),
    ("day-opportunities", ProviderPrice.Unit.DAY, "62.00"),
)


def _paragraph(html: str) -> tuple[str, RichText]:
    return ("paragraph", RichText(html))


def _details(summary: str, html: str) -> tuple[str, dict[str, Any]]:
    return ("details", {"summary": summary, "body": RichText(html)})


def _easy(text: str, image_alt: str = "") -> tuple[str, dict[str, Any]]:
    return ("picture_and_sentence", {"image": None, "image_alt": image_alt, "text": text})


@dataclass(frozen=True)
class AdviceContent:
    slug: str
    title: str
    stage: str
    summary: str
    body: list[tuple[str, Any]]
    easy_read_body: list[tuple[str, Any]]


ADVICE_PAGES = (
    AdviceContent(
        slug="choosing-a-personal-budget-type",
        title="Choosing how to get your personal budget",
        stage=AdviceStage.CHOOSING,
        summary="The ways you can receive your personal budget, and how to decide which suits you.",
        body=[
            _paragraph(
                "<p>If you have eligible care and support needs, we work out a <b>personal budget</b> with you: "
                "the amount it will cost to meet those needs. Your personal budget is set out in your support "
                "plan, and you choose how the money is managed.</p>"
            ),
            ("heading", "Your options"),
            _paragraph(
                "<ul>"
                "<li><b>A managed service</b>: we arrange and pay for your support with providers we have "
                "contracts with. You don't handle any money.</li>"
                "<li><b>A direct payment</b>: we pay the money to you, or to someone acting for you, so you can "
                "arrange and buy your own support, such as employing a personal assistant.</li>"
                "<li><b>An individual service fund</b>: we pay your budget to a provider you choose, who "
                "manages it and plans your support with you.</li>"
                "<li><b>A mix</b>: for example, a managed service for home care and a direct payment for a day "
                "service.</li>"
                "</ul>"
            ),
            ("heading", "Why people choose a direct payment"),
            _paragraph(
                "<p>A direct payment gives you choice and control: you decide who supports you, when and how. "
                "You can employ a personal assistant you know and trust, choose a small local provider, or use "
                "the money in other ways that meet the outcomes in your support plan.</p>"
            ),
            (
                "inset_text",
                RichText(
                    "<p>You have a right to ask for a direct payment if you have eligible needs and can manage "
                    "it, on your own or with help. If you cannot make this decision yourself, a family member or "
                    "friend can be your <b>authorised person</b> and manage it for you.</p>"
                ),
            ),
            ("heading", "Things to think about"),
            _paragraph(
                "<p>With a direct payment you take on some responsibilities: keeping records of how the money "
                "is spent and, if you employ a personal assistant, being an employer. You don't have to do this "
                "alone. A payroll service, a third-party money manager or our direct payments support team can "
                "help.</p>"
            ),
            _details(
                "Will I have to pay towards my care?",
                "<p>Most people pay something towards their care. We carry out a financial assessment to work "
                "out what you can afford. With a direct payment you pay your contribution into your direct "
                "payment account; with a managed service we send you a bill.</p>",
            ),
            _details(
                "Can I change my mind?",
                "<p>Yes. You can move from a direct payment to a managed service, or the other way round, at any "
                "time. Tell your social worker or contact us and we will plan the change with you. New "
                "arrangements can take a few weeks to set up.</p>",
            ),
            _details(
                "Can I pay a family member?",
                "<p>You can't usually use a direct payment to pay a close family member who lives in the same "
                "household as you. We can agree to it if it is the only way to meet your needs. You can pay a "
                "relative who lives elsewhere, for example as your personal assistant.</p>",
            ),
        ],
        easy_read_body=[
            ("heading", "Your personal budget"),
            _easy("A personal budget is money to pay for your care and support.", "A purse with coins"),
            _easy("The council works out how much money you need.", "A person with a calculator"),
            _easy("You can choose how to get the money."),
            _easy("The council can arrange your support for you. This is called a managed service."),
            _easy("Or you can get the money yourself. This is called a direct payment."),
            _easy("With a direct payment you choose who helps you, and when.", "Two people talking"),
            _easy("A family member or friend can help you manage the money."),
            _easy("You can change your mind later."),
            _easy(f"Ask us if you need help to choose. Phone {COUNCIL_PHONE}.", "A telephone"),
        ],
    ),
    AdviceContent(
        slug="setting-up-a-direct-payment",
        title="Setting up a direct payment",
        stage=AdviceStage.SETTING_UP,
        summary="What happens when you start a direct payment, from your agreement to your first payment.",
        body=[
            _paragraph(
                "<p>Once you and your social worker have agreed your support plan and decided that a direct "
                "payment is right for you, we set it up with you. It usually takes two to four weeks.</p>"
            ),
            ("heading", "1. Sign your direct payment agreement"),
            _paragraph(
                "<p>The agreement explains what the money can be spent on (the outcomes in your support plan), "
                "the records you need to keep, and what happens to money that isn't used. If someone manages "
                "the payment for you (an authorised person, a nominated person or a third-party money manager) "
                "they sign it too.</p>"
            ),
            ("heading", "2. Get your direct payment card"),
            _paragraph(
                "<p>Most people in Wendleshire receive their direct payment on a prepaid card. It works like a "
                "debit card, but only for your care and support. We pay your budget onto the card every four "
                "weeks, in advance. You can pay providers by card, bank transfer or standing order, and we can "
                "see the transactions, so you don't need to send us bank statements.</p>"
            ),
            (
                "inset_text",
                RichText(
                    "<p>If you pay a contribution towards your care, pay it into your card account by standing "
                    "order at the start of each four-week period.</p>"
                ),
            ),
            ("heading", "3. Choose who will support you"),
            _paragraph(
                "<p>You can buy support from a home care agency, a micro-provider or a day service, or employ a "
                "personal assistant. Search our directory by where you live, the support you need, language and "
                "when you need it. Providers marked <b>Accredited</b> have had their checks verified by the "
                "council. You can choose any provider, but accredited ones have been vetted.</p>"
            ),
            ("heading", "4. If you employ a personal assistant"),
            _paragraph(
                "<p>You become an employer, so you must:</p>"
                "<ul>"
                "<li>check they have the right to work in the UK</li>"
                "<li>get an enhanced DBS check with a check of the adults' barred list (we can arrange this "
                "for you)</li>"
                "<li>take out employers' liability insurance from the day they start: it is a legal "
                "requirement</li>"
                "<li>pay at least the National Living Wage, with holiday pay and statutory sick pay</li>"
                "<li>run payroll through HMRC and, if they are eligible, enrol them in a workplace pension</li>"
                "</ul>"
                "<p>A payroll service can do the payroll, tax and pension for you. Its fee is paid from your "
                "direct payment.</p>"
            ),
            _details(
                "What if my personal assistant is self-employed?",
                "<p>Some personal assistants are self-employed. HMRC decides employment status by how the work "
                "is done, not by what you agree, so use HMRC's Check employment status for tax (CEST) tool or "
                "ask us. A self-employed PA should send you invoices and have their own public liability "
                "insurance.</p>",
            ),
            (
                "warning",
                "Do not start paying for support until your agreement is signed and your card is set up. "
                "We cannot pay back money spent before then.",
            ),
        ],
        easy_read_body=[
            ("heading", "Setting up your direct payment"),
            _easy("It takes about 2 to 4 weeks to set up.", "A calendar"),
            _easy("You sign an agreement. It says what the money is for.", "A person signing a paper"),
            _easy("We give you a direct payment card. The money goes onto the card.", "A payment card"),
            _easy("You choose who helps you. This can be a personal assistant.", "Two people talking"),
            _easy("If you employ someone, you must pay them properly and keep records."),
            _easy("Do not spend the money before your card is ready."),
            _easy(f"Ask us if you need help. Phone {COUNCIL_PHONE}.", "A telephone"),
        ],
    ),
    AdviceContent(
        slug="managing-your-direct-payment",
        title="Managing your direct payment",
        stage=AdviceStage.MANAGING,
        summary="Keeping records, telling us about changes, and planning for when support falls through.",
        body=[
            _paragraph(
                "<p>Your direct payment is public money, so we check that it is spent on the support in your "
                "plan. Keeping simple records makes this easy for you and for us.</p>"
            ),
            ("heading", "Keeping records"),
            _paragraph(
                "<ul>"
                "<li>Keep invoices, receipts, timesheets and payslips. We ask you to keep them for six years.</li>"
                "<li>If you employ a personal assistant, HMRC also expects you to keep payroll records for at "
                "least three years.</li>"
                "<li>Only use your direct payment card for the support in your plan.</li>"
                "</ul>"
            ),
            ("heading", "How we check your account"),
            _paragraph(
                "<p>We look at your account about three months after your direct payment starts, and then at "
                "least once a year. If money is building up we will talk to you first: you may need less "
                "support than planned, or may have had trouble finding it. If more than eight weeks of your "
                "budget is unspent and not set aside for a planned cost, we may take some back. This is called "
                "a <b>clawback</b>.</p>"
            ),
            ("heading", "Tell us when things change"),
            _paragraph(
                "<ul>"
                "<li>you go into hospital or a care home for more than a few days</li>"
                "<li>your needs change</li>"
                "<li>the person who manages your payment changes</li>"
                "<li>you move out of Wendleshire</li>"
                "<li>you want to stop your direct payment</li>"
                "</ul>"
            ),
            ("heading", "Have a contingency plan"),
            _paragraph(
                "<p>Think now about what would happen if your personal assistant were ill or on holiday, or "
                "your provider stopped trading. Your contingency plan, in your support plan, might name a second "
                "personal assistant, a family member, or an agency you can call on.</p>"
            ),
            (
                "inset_text",
                RichText(
                    "<p>If your provider closes or can no longer support you, contact us straight away. The "
                    "council has a duty to make sure your eligible needs are still met, and we will help you "
                    "find other support.</p>"
                ),
            ),
            _details(
                "Worried that someone is being abused or neglected?",
                f"<p>Contact our adult social care team on {COUNCIL_PHONE}. In an emergency, call 999.</p>",
            ),
        ],
        easy_read_body=[
            ("heading", "Looking after your direct payment"),
            _easy("Your direct payment is money from the council for your support.", "Money and a card"),
            _easy("Only spend it on the support in your plan."),
            _easy("Keep your receipts, bills and timesheets.", "A folder of papers"),
            _easy("We will look at your account to check the money is spent well."),
            _easy("If you do not use the money, we may ask for some back."),
            _easy("Tell us if you go into hospital or your needs change."),
            _easy("Plan who can help if your usual helper is ill.", "Two helpers"),
            _easy("If your provider stops, call us. We will help you find someone new.", "A telephone"),
        ],
    ),
)


@transaction.atomic
def council_settings_configure(*, service_ids: dict[str, int]) -> CouncilSettings:
    """Name the council, its contacts and data protection officer and its managed-service rates on the default site."""
    site = Site.objects.get(is_default_site=True)
    settings = CouncilSettings.for_site(site)
    settings.council_name = COUNCIL_NAME
    settings.service_name = "Find care and support"
    settings.contact_phone = COUNCIL_PHONE
    settings.contact_email = COUNCIL_EMAIL
    settings.data_protection_officer_email = DATA_PROTECTION_OFFICER_EMAIL
    settings.data_protection_officer_address = DATA_PROTECTION_OFFICER_ADDRESS
    settings.save()
    ManagedServiceRate.objects.filter(settings=settings).delete()
    ManagedServiceRate.objects.bulk_create(
        ManagedServiceRate(
            settings=settings, service_id=service_ids[slug], unit=unit, amount=Decimal(amount), sort_order=order
        )
        for order, (slug, unit, amount) in enumerate(MANAGED_SERVICE_RATES)
    )
    return settings


@transaction.atomic
def advice_pages_create() -> list[AdvicePage]:
    """Publish the advice pages under the home page; pages that already exist are left as editors made them."""
    home = HomePage.objects.first()
    if home is None:
        return []
    pages = []
    for content in ADVICE_PAGES:
        existing = AdvicePage.objects.child_of(home).filter(slug=content.slug).first()
        if existing is not None:
            pages.append(existing)
            continue
        page = AdvicePage(
            title=content.title,
            slug=content.slug,
            stage=content.stage,
            summary=content.summary,
            body=content.body,
            easy_read_body=content.easy_read_body,
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        pages.append(page)
    return pages
