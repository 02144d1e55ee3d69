"""StreamField blocks for advice pages, rendered with GOV.UK Frontend markup."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class InsetTextBlock(blocks.RichTextBlock):
    class Meta:
        template = "cms/blocks/inset_text.html"
        icon = "pick"
        label = "Inset text"


class WarningTextBlock(blocks.CharBlock):
    class Meta:
        template = "cms/blocks/warning_text.html"
        icon = "warning"
        label = "Warning"


class DetailsBlock(blocks.StructBlock):
    summary = blocks.CharBlock(help_text="The question or heading people click to open")
    body = blocks.RichTextBlock()

    class Meta:
        template = "cms/blocks/details.html"
        icon = "collapse-down"
        label = "Expandable details"


class EasyReadBlock(blocks.StructBlock):
    """Easy read: one short sentence beside a picture that explains it."""

    image = ImageChooserBlock(required=False)
    image_alt = blocks.CharBlock(required=False, help_text="What the picture shows")
    text = blocks.TextBlock(help_text="One idea in short, plain words")

    class Meta:
        template = "cms/blocks/easy_read.html"
        icon = "image"
        label = "Picture and sentence"


class AdviceStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(template="cms/blocks/heading.html", icon="title")
    paragraph = blocks.RichTextBlock(features=["bold", "link", "ol", "ul", "document-link"])
    inset_text = InsetTextBlock()
    warning = WarningTextBlock()
    details = DetailsBlock()


class EasyReadStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(template="cms/blocks/heading.html", icon="title")
    picture_and_sentence = EasyReadBlock()
