"""Where private files (vetting evidence, monitoring attachments) are kept.

They live in the "private" storage (settings.STORAGES): a folder outside
MEDIA_ROOT locally, a bucket with no public access in production. Nothing
there has a public URL; files are served only through views that check
permission and log the view.
"""

from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on local disk that have no URL: asking for one is a programming error."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a permission-checked view")


def private_storage() -> Storage:
    return storages["private"]
