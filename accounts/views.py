from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import services
from .addresses import same_address
from .errors import InvitationError
from .form_errors import add_service_errors
from .forms import AcceptInvitationForm
from .models import Role

INVITATION_PROBLEMS = {
    "invalid": "This invitation link is not valid. Check that you copied the whole link.",
    "expired": "This invitation has expired. Ask your therapist to send a new one.",
    "used": "This invitation has already been used. Sign in to continue.",
    "revoked": "This invitation was withdrawn. Ask your therapist if you expected it.",
    "wrong_account": "This invitation was sent to another address. Sign out and open it again.",
}


def home(request):
    """Send each person to their own portal."""
    if request.user.role == Role.THERAPIST:
        return redirect("therapist_home")
    if request.user.role == Role.CLIENT:
        return redirect("client_home")
    return redirect("admin:index")


def help_page(request):
    """How Tandem works, in a few words, for whoever is signed in. It reads nothing but the
    session, so `make bench` uses it as the signed-in baseline."""
    return render(request, "accounts/help.html")


def _invitation_problem(request, reason: str):
    return render(
        request,
        "accounts/invitation_problem.html",
        {"problem": INVITATION_PROBLEMS[reason]},
        status=400 if reason == "invalid" else 410,
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request, token: str):
    """Follow an invitation link: create an account, or link a signed-in client."""
    try:
        relationship = services.invitation_from_token(token)
    except InvitationError as exc:
        accepted = exc.relationship
        if accepted is not None and accepted.client_id == request.user.pk:
            # The client who accepted it, following the link again: nothing to do.
            messages.info(request, f"You already work with {accepted.therapist} in Tandem.")
            return redirect("client_home")
        return _invitation_problem(request, exc.reason)
    context = {"relationship": relationship, "therapist": relationship.therapist}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept_as_existing_client(
                    relationship=relationship, client=request.user
                )
            except InvitationError as exc:
                return _invitation_problem(request, exc.reason)
            messages.success(request, f"{relationship.therapist} is now your therapist.")
            return redirect("client_home")
        if not same_address(request.user.email, relationship.invited_email):
            return _invitation_problem(request, "wrong_account")
        return render(request, "accounts/invitation_confirm.html", context)
    if services.account_exists(relationship.invited_email):
        return render(request, "accounts/invitation_sign_in.html", context)
    form = AcceptInvitationForm(request.POST or None, initial={"timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_as_new_client(
                relationship=relationship,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                timezone_name=form.cleaned_data["timezone"],
            )
        except InvitationError as exc:
            return _invitation_problem(request, exc.reason)
        except ValidationError as exc:
            # the password validators speak in a plain list
            add_service_errors(form, exc, default_field="password1")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Tandem.")
            return redirect("client_home")
    return render(request, "accounts/invitation_accept.html", {**context, "form": form})
