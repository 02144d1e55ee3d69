"""The named roles: Django groups that carry Wagtail admin permissions."""

COMMISSIONERS = "Commissioners"
EDITORS = "Editors"
