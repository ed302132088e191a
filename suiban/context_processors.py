from suiban.core.menu import family_only, menu_for


def shell(request):
    """What the page shell needs. The menu is computed only when a template asks for it (``shell_menu`` is a
    callable: the base template draws the side menu from a cached fragment, ``{% shell_menu_html %}``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from suiban.accounts.middleware import idle_seconds

    return {
        "shell_menu": lambda: menu_for(user, request.path),
        "shell_roles": user.role_lines(),
        "shell_idle_seconds": idle_seconds(),
        "shell_search": not family_only(user),  # a guardian has one child: no search box
    }
