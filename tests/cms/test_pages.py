"""Wagtail page rules and rendering for the home, advice and directory pages."""

from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import AdvicePage, AdviceStage, DirectoryPage, HomePage


class PageTreeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.home = HomePage.objects.get()
        cls.directory = DirectoryPage.objects.get()
        cls.advice = cls.home.add_child(
            instance=AdvicePage(
                title="Setting up your direct payment",
                slug="setting-up",
                stage=AdviceStage.SETTING_UP,
                summary="What to do before your first payment arrives.",
                body=[
                    ("heading", "Open a bank account"),
                    ("paragraph", "<p>You need a <b>separate</b> account for your direct payment.</p>"),
                    ("inset_text", "<p>The council pays four weeks in advance.</p>"),
                    ("warning", "Keep every receipt for two years."),
                    ("details", {"summary": "What if I cannot open an account?", "body": "<p>Ask for a DP card.</p>"}),
                ],
                easy_read_body=[
                    ("heading", "Your money"),
                    ("picture_and_sentence", {"image": None, "image_alt": "", "text": "The council gives you money."}),
                ],
            )
        )

    def test_advice_pages_can_be_created_under_the_home_page_and_other_advice(self) -> None:
        self.assertCanCreateAt(HomePage, AdvicePage)
        self.assertCanCreateAt(AdvicePage, AdvicePage)

    def test_the_directory_lives_only_under_the_home_page_and_has_no_children(self) -> None:
        self.assertAllowedParentPageTypes(DirectoryPage, {HomePage})
        self.assertAllowedSubpageTypes(DirectoryPage, set())
        self.assertCanNotCreateAt(AdvicePage, DirectoryPage)

    def test_home_page_cannot_go_under_another_page(self) -> None:
        self.assertCanNotCreateAt(HomePage, HomePage)

    def test_an_editor_can_create_an_advice_page_with_every_block(self) -> None:
        self.login()
        self.assertCanCreate(
            self.home,
            AdvicePage,
            nested_form_data(
                {
                    "title": "Choosing how to get your budget",
                    "slug": "choosing",
                    "stage": AdviceStage.CHOOSING,
                    "summary": "A direct payment or a managed service.",
                    "body": streamfield(
                        [
                            ("heading", "Your choices"),
                            ("paragraph", rich_text("<p>You can take the money or let the council arrange it.</p>")),
                            ("warning", "Tell us if your needs change."),
                        ]
                    ),
                    "easy_read_body": streamfield([]),
                }
            ),
        )

    def test_home_advice_and_directory_pages_render(self) -> None:
        self.assertPageIsRenderable(self.home)
        self.assertPageIsRenderable(self.advice)
        self.assertPageIsRenderable(self.directory)

    def test_home_page_shows_the_search_box_before_the_advice_stages(self) -> None:
        response = self.client.get(self.home.url)
        html = response.content.decode()
        assert 'action="/directory/"' in html
        assert html.index('name="near"') < html.index("Setting up a direct payment")
        for stage in AdviceStage:
            self.assertContains(response, stage.label)
        self.assertContains(response, 'href="/setting-up/"')

    def test_advice_page_renders_its_blocks_with_gov_uk_markup(self) -> None:
        response = self.client.get(self.advice.url)
        self.assertContains(response, '<h2 class="govuk-heading-l">Open a bank account</h2>', html=True)
        self.assertContains(response, 'class="govuk-inset-text"')
        self.assertContains(response, "Keep every receipt for two years.")
        self.assertContains(response, 'class="govuk-warning-text"')
        self.assertContains(response, '<details class="govuk-details">')
        self.assertContains(response, 'href="/setting-up/easy-read/"')

    def test_easy_read_version_is_served_at_easy_read(self) -> None:
        response = self.client.get(self.advice.url + "easy-read/")
        assert response.status_code == 200
        self.assertContains(response, "The council gives you money.")
        self.assertContains(response, "Setting up your direct payment (easy read) \N{EN DASH} ")

    def test_advice_without_easy_read_has_no_link_and_no_easy_read_page(self) -> None:
        plain = self.home.add_child(
            instance=AdvicePage(
                title="Managing your account",
                slug="managing",
                stage=AdviceStage.MANAGING,
                summary="Keeping records.",
                body=[("paragraph", "<p>Keep records.</p>")],
            )
        )
        self.assertNotContains(self.client.get(plain.url), "easy-read/")
        assert self.client.get(plain.url + "easy-read/").status_code == 404

    def test_unpublished_advice_is_not_listed_on_the_home_page(self) -> None:
        self.advice.unpublish()
        response = self.client.get(self.home.url)
        self.assertNotContains(response, "Setting up your direct payment")
