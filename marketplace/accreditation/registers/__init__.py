"""External registers: the CQC, Companies House and the DBS Update Service.

One small client module each (`cqc`, `companies_house`, `dbs_update_service`),
configured by settings, with a timeout and its own error type; `sync` turns
their answers into register records, alerts and contingency signals; `tasks`
runs the daily sweeps. See docs/registers.md and decision 0017.

Every client error is a `RegisterError`, whose message is written for people
(it lands in the job log and in commissioners' alerts) and never contains the
request URL, which for the DBS carries a person's date of birth.
"""


class RegisterError(Exception):
    """A register could not answer, or answered something we cannot use."""

    #: The register's name as people know it, used in messages.
    register = "The register"

    def __init__(self, message: str, *, is_temporary: bool = False) -> None:
        super().__init__(message)
        #: True when trying again later may work (a timeout, a 5xx, a rate limit).
        self.is_temporary = is_temporary


class RegisterNotFound(RegisterError):
    """The register has no record under the identifier we hold (a 404)."""


def missing_settings_phrase(names: list[str]) -> str:
    """ "CQC_API_KEY not set", "A, B and C not set"; "" when nothing is missing."""
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} not set"
