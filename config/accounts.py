"""How django-allauth sends its emails here: as the comments app sends its own.

allauth sends verification, password reset and email-change messages inside the request,
and a mail server that is down or slow then fails the request or loses the email. Here each
message is rendered in the request as allauth renders it (its templates, subject prefix and
the site of the request), then handed as data to the comments app's `send_email` task, there
once the transaction commits (blog.tasks.enqueue_with_transaction): the worker sends it,
retrying with backoff, and one that never goes out is kept as a failed task with its error
(comments/notifications.py).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from blog.tasks import enqueue_with_transaction
from comments.notifications import message_as_data, send_email


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        # The context allauth's own send_mail gives its templates.
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                **context,
            },
        )
        data = message_as_data(message)
        enqueue_with_transaction(send_email, data)
