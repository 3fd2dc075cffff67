"""The Leave a Reply form: xtd's form, for logged-in readers, with every field checked.

contrib-comments signs the article (content type, pk) and the form's timestamp, but
not `reply_to` (flaw 2 in docs/comments-xtd.md): this form checks the parent itself.
Name and email come from the account, not the reader (contrib-comments requires both
and caps the name at 50 characters), and its URL field, which warns on Django 5, is
dropped.
"""

import time
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_comments.forms import DEFAULT_COMMENTS_TIMEOUT
from django_comments_xtd.forms import XtdCommentForm

from blog.models import Section

from .models import NAME_MAX_LENGTH, Comment, current_rules

EXPIRED_MESSAGE = (
    "This form was open for more than {hours} hours, so it could not be sent. "
    "Your text is below: send it again."
)
TAMPERED_MESSAGE = "This form could not be checked. Your text is below: send it again."


def display_name(user):
    """The name shown with a comment, cut to the column's 50 characters if need be."""
    name = (user.get_full_name() or user.get_username()).strip()
    if len(name) > NAME_MAX_LENGTH:
        name = name[: NAME_MAX_LENGTH - 1].rstrip() + "…"
    return name


# Characters that show nothing: format controls (zero-width space and joiners, bidi marks,
# the byte-order mark), controls, separators, and the letters made to look blank.
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}


def visible(text):
    """Whether the text shows anything at all: a comment of zero-width or other invisible
    characters only counts as empty."""
    return any(
        unicodedata.category(char) not in INVISIBLE_CATEGORIES and char not in BLANK_LETTERS
        for char in text
    )


def comment_field(max_length):
    """The text of a comment, with its length and emptiness told in plain words."""
    return forms.CharField(
        label="Comment",
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Write a comment before posting it.",
            "max_length": "A comment holds at most %(limit_value)d characters; "
            "this one has %(show_value)d.",
        },
    )


def cleaned_text(text):
    text = text.strip()
    if not visible(text):
        raise forms.ValidationError("Write a comment before posting it.", code="required")
    return text


class CommentForm(XtdCommentForm):
    def __init__(self, target_object, *args, user=None, **kwargs):
        self.user = user
        super().__init__(target_object, *args, **kwargs)
        # Taken from the account in get_comment_create_data(), never from the form.
        for name in ("name", "email", "url"):
            del self.fields[name]
        self.fields["comment"] = comment_field(current_rules().max_length)
        followup = self.fields["followup"]
        followup.label = "Notify me of new comments via email"
        followup.widget = forms.CheckboxInput()
        self.fields["honeypot"].label = "Leave this field empty"
        # "Discuss this motive": the motive section of this article the comment is about.
        # Not signed, so checked in clean_section(); a reply takes its parent's instead.
        self.fields["section"] = forms.IntegerField(
            required=False, min_value=1, widget=forms.HiddenInput
        )

    # contrib-comments answers a bad timestamp or hash with a bare 400; the view shows
    # the form again instead, with these messages.
    def clean_timestamp(self):
        timestamp = self.cleaned_data["timestamp"]
        if time.time() - timestamp > DEFAULT_COMMENTS_TIMEOUT:
            raise forms.ValidationError(
                EXPIRED_MESSAGE.format(hours=DEFAULT_COMMENTS_TIMEOUT // 3600), code="expired"
            )
        return timestamp

    def clean_security_hash(self):
        # The signature covers the hidden fields; they must also name the article posted to.
        signed_for = (self.data.get("content_type"), self.data.get("object_pk"))
        try:
            if signed_for != (str(self.target_object._meta), str(self.target_object.pk)):
                raise forms.ValidationError("signed for another object")
            return super().clean_security_hash()
        except forms.ValidationError:
            raise forms.ValidationError(TAMPERED_MESSAGE, code="tampered") from None

    def clean_honeypot(self):
        if self.cleaned_data["honeypot"]:
            raise forms.ValidationError("Leave the last field empty.", code="honeypot")
        return ""

    def clean_comment(self):
        return cleaned_text(self.cleaned_data["comment"])

    def clean_reply_to(self):
        """A reply must answer a public comment of this article, within the depth."""
        reply_to = self.cleaned_data["reply_to"] or 0
        if not reply_to:
            return 0
        parent = (
            Comment.objects.for_article(self.target_object).public().filter(pk=reply_to).first()
        )
        if parent is None:
            raise forms.ValidationError(
                "The comment you are replying to is not open for replies on this article.",
                code="parent",
            )
        if not parent.allow_thread():
            raise forms.ValidationError(
                "This conversation is as deep as replies go: reply to an earlier comment instead.",
                code="depth",
            )
        self.parent = parent
        return reply_to

    def clean_section(self):
        """A section of this article that argues a motive, or none."""
        section_id = self.cleaned_data["section"]
        if not section_id:
            return None
        section = (
            Section.objects.filter(
                pk=section_id, article_id=self.target_object.pk, motives__isnull=False
            )
            .distinct()
            .first()
        )
        if section is None:
            raise forms.ValidationError(
                "The section you are discussing is not a motive of this article.",
                code="section",
            )
        return section

    def is_stale(self):
        """Only the form's age or signature failed: the reader's text is fine."""
        return bool(self.errors) and set(self.errors) <= {"timestamp", "security_hash"}

    def refresh_security_data(self):
        """A bound copy with a fresh timestamp and signature, so the reader can resend."""
        data = self.data.copy()
        data.update(self.generate_security_data())
        return type(self)(self.target_object, data=data, user=self.user)

    def get_comment_model(self):
        return Comment

    def get_comment_create_data(self, site_id=None):
        return {
            "content_type": ContentType.objects.get_for_model(self.target_object),
            "object_pk": str(self.target_object.pk),
            "comment": self.cleaned_data["comment"],
            "submit_date": timezone.now(),
            "is_public": True,
            "is_removed": False,
            "user": self.user,
            "user_name": display_name(self.user),
            "user_email": self.user.email or "",
            "user_url": "",
            "site_id": site_id or settings.SITE_ID,
            "parent_id": self.cleaned_data["reply_to"],
            # For a reply, Comment._take_place_under_parent() sets its parent's instead.
            "section": self.cleaned_data.get("section"),
            "followup": self.cleaned_data["followup"],
            "submission_key": Comment.submission_key_for(
                self.user.pk,
                self.target_object.pk,
                self.cleaned_data["timestamp"],
                self.cleaned_data["reply_to"],
                self.cleaned_data["comment"],
            ),
        }

    def check_for_duplicate_comment(self, new):
        # contrib-comments matches on name and day; the submission key does it exactly.
        return new


class ErasureForm(forms.Form):
    """The reader's password, re-entered to erase their account: whoever finds a session
    left open cannot erase it. An account without a password (a social login) proves
    itself through allauth's reauthentication instead, and this form is then empty."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("This is not your password.")
        return password


class CommentEditForm(forms.Form):
    """An author's edit of their comment: the text alone, checked as a new comment's is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"] = comment_field(current_rules().max_length)

    def clean_comment(self):
        return cleaned_text(self.cleaned_data["comment"])
