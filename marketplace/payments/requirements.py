"""What Stripe still needs from a provider, in plain words.

Stripe names each missing piece with a code (`individual.dob.day`,
`external_account`). A provider sees one sentence per thing to do; several
codes (the three parts of a date of birth) make one sentence.
"""

PLAIN_REQUIREMENTS: dict[str, str] = {
    "external_account": "Your bank account details, so the money can be paid to you",
    "tos_acceptance": "Your agreement to Stripe's terms of service",
    "individual.dob": "Your date of birth",
    "individual.address": "Your home address",
    "individual.first_name": "Your name",
    "individual.last_name": "Your name",
    "individual.email": "Your email address",
    "individual.phone": "Your phone number",
    "individual.id_number": "Your National Insurance number",
    "individual.verification": "A photo of an identity document, such as a passport or driving licence",
    "business_profile.mcc": "What kind of work you do",
    "business_profile.url": "A website or a description of your work",
    "business_profile.product_description": "A description of your work",
    "business_type": "Whether you work for yourself or as a company",
    "company": "Your company's details",
    "representative": "Details of the person who runs the business",
    "owners": "Details of the business's owners",
    "directors": "Details of the business's directors",
    "settings.payments.statement_descriptor": "The name people see on their bank statement",
}
FALLBACK = "Other details Stripe asks for"


def plain_requirement(code: str) -> str:
    """The sentence for one code: the longest known prefix of its dotted path decides."""
    parts = code.split(".")
    for length in range(len(parts), 0, -1):
        sentence = PLAIN_REQUIREMENTS.get(".".join(parts[:length]))
        if sentence is not None:
            return sentence
    # Person codes on a company look like `person_abc123.dob.day`.
    if parts[0].startswith("person_") and len(parts) > 1:
        return plain_requirement("individual." + ".".join(parts[1:]))
    return FALLBACK


def plain_requirements(codes: list[str]) -> list[str]:
    """Each distinct sentence once, in Stripe's order."""
    return list(dict.fromkeys(plain_requirement(code) for code in codes))
