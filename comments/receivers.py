def remember_login_provider(sender, request, user, sociallogin=None, **kwargs):
    """The form says which account the reader is commenting with: ours or a provider's."""
    request.session["login_provider"] = sociallogin.provider.name if sociallogin else ""
