"""What the findings engine must cover (OV-1) and where each rule comes from, in words.

``CHECKABLE_RULES`` is the one list of every rule the project declares checkable from data, each with the app
expected to register its check: a test fails when one of them has no check registered
(``suiban.core.registry.checks``). ``RULE_SOURCES`` says, for the pages, which
clause of which document each rule comes from ("依据《…》第十二条") — pages never show the rule ids.
"""

from django.utils.translation import gettext_lazy as _

CHECKABLE_RULES = {
    # students, identification and placement — suiban/students/checks.py, suiban/oversight/checks.py
    "PL-1": "students", "PL-4": "students", "PL-7": "students", "PL-9": "students", "PL-10": "oversight",
    "PL-14": "oversight", "PL-15": "oversight",
    # individual education — suiban/iep/checks.py
    "IEP-1": "iep", "IEP-2": "iep", "IEP-3": "iep", "IEP-5": "iep",
    # archives
    "AR-1": "students",
    # oversight's own records, the policy profiles
    "OV-5": "oversight", "OV-6": "policy",
    # modules built alongside (expected from their apps' checks.py)
    "HB-4": "homebound", "FN-1": "funds", "FN-2": "funds", "ST-1": "staff", "ST-3": "staff", "ST-4": "staff",
    "ST-7": "staff", "RR-1": "rooms", "RR-2": "rooms", "RR-6": "rooms",
}

RULE_SOURCES = {
    "PL-1": _("Per the rules of the second-generation disability certificate (valid ten years)"),
    "PL-4": _("Per article 12 of the Guangdong implementation rules"),
    "PL-7": _("Per article 16 of the Guangdong implementation rules"),
    "PL-9": _("Per articles 14 to 17 of the Guangdong implementation rules"),
    "PL-10": _("Per article 18 of the Guangdong implementation rules"),
    "PL-14": _("Per articles 6 and 36 of the Guangdong implementation rules"),
    "PL-15": _("Per articles 9 and 11 of the Guangdong implementation rules"),
    "IEP-1": _("Per articles 26 and 27 of the Guangdong implementation rules"),
    "IEP-2": _("Per article 27 of the Guangdong implementation rules"),
    "IEP-3": _("Per article 27(4) of the Guangdong implementation rules"),
    "IEP-5": _("Per article 28 of the Guangdong implementation rules"),
    "AR-1": _("Per article 21 and attachment 6 of the Guangdong implementation rules"),
    "AR-4": _("Per article 21 of the Guangdong implementation rules"),
    "OV-5": _("Per article 43 of the Guangdong implementation rules"),
    "OV-6": _("Per articles 34, 52 and 53 of the Guangdong implementation rules"),
    "HB-4": _("Per section 3.4 of the Haicang district notice"),
    "FN-1": _("Per section 4.1 of the Haicang district notice"),
    "FN-2": _("Per section 4.2 of the Haicang district notice"),
    "ST-1": _("Per section 2.1 of the Haicang district notice"),
    "ST-3": _("Per article 31 of the Guangdong implementation rules"),
    "ST-4": _("Per article 45 of the Guangdong implementation rules"),
    "ST-7": _("Per article 33 of the Guangdong implementation rules"),
    "RR-1": _("Per article 44 of the Guangdong implementation rules"),
    "RR-2": _("Per attachment 1 of the Haicang district notice"),
    "RR-6": _("Per section 5 of the Haicang district notice"),
}


def source_of(rule: str):
    return RULE_SOURCES.get(rule, _("Per the policy in force"))
