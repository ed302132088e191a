"""Policy as data. Rules read parameters through ``policy.value(subject, name)``."""


def value(subject, name):
    from suiban.policy.resolve import value as _value

    return _value(subject, name)
