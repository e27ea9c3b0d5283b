"""The realm's HTML: the minimal login page and the callback to the client in its response mode."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.responses import HTMLResponse, Response

from simulator.identity.authorization import Authorizer
from simulator.identity.store import AuthRequest

if TYPE_CHECKING:
    from simulator.runtime import Simulator

REALM_PATH = "/v1/id/auth/realms/olt"
LOGIN_ACTION_PATH = f"{REALM_PATH}/login-actions/authenticate"
NO_STORE = {"Cache-Control": "no-store"}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}label,select,button{{display:block;
margin:.4rem 0;width:100%}}button{{padding:.5rem}}</style></head>
<body>{body}</body></html>
"""

# Shows only the tenants of the selected user (the server checks membership again on submit).
_FILTER_SCRIPT = """<script>
const user = document.getElementById("user"), tenant = document.getElementById("tenant");
function filter() {
  let first = null;
  for (const option of tenant.options) {
    const ok = option.value === "" || option.dataset.members.split(" ").includes(user.value);
    option.hidden = !ok;
    if (ok && option.value !== "" && first === null) first = option;
  }
  if (tenant.selectedOptions[0]?.hidden) tenant.value = first ? first.value : "";
}
user.addEventListener("change", filter);
filter();
</script>"""


def _option(value: str, label: str, selected: bool, extra: str = "") -> str:
    chosen = " selected" if selected else ""
    return f'<option value="{escape(value)}"{extra}{chosen}>{escape(label)}</option>'


def login_page(sim: Simulator, request: AuthRequest) -> Response:
    """Pick a user and one of their tenants; the form posts to the login-action route."""
    authorizer = Authorizer(sim)
    users = sorted(sim.state.users.users.values(), key=lambda u: u.email.lower())
    chosen = authorizer.find_user(request.login_hint) or authorizer.default_user()
    chosen_id = chosen.id if chosen else ""
    choices = authorizer.tenant_choices(request, chosen_id) if chosen else []
    chosen_tenant = request.tenant_hint if request.tenant_hint in choices else (choices[0] if choices else "")
    members: dict[str, list[str]] = {}
    for user in users:
        for tenant_id in authorizer.tenant_choices(request, user.id):
            members.setdefault(tenant_id, []).append(user.id)
    tenants = sim.state.tenants.tenants
    user_options = "".join(
        _option(u.id, f"{u.email} ({u.name})" if u.name else u.email, u.id == chosen_id) for u in users
    )
    tenant_options = _option("", "(no tenant)", not chosen_tenant, ' data-members=""') + "".join(
        _option(t, tenants[t].name, t == chosen_tenant, f' data-members="{escape(" ".join(ids))}"')
        for t, ids in members.items()
    )
    body = f"""<h1>Sign in to OLT (simulated)</h1>
<form method="post" action="{LOGIN_ACTION_PATH}">
<input type="hidden" name="request" value="{escape(request.id)}">
<label for="user">User</label><select id="user" name="user">{user_options}</select>
<label for="tenant">Tenant</label><select id="tenant" name="tenant">{tenant_options}</select>
<button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>{_FILTER_SCRIPT}"""
    return HTMLResponse(_PAGE.format(title="Sign in", body=body), headers=NO_STORE)


def with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def deliver(request: AuthRequest, params: dict[str, str]) -> Response:
    """Send the callback parameters (code or error, plus state) to redirect_uri in the response mode."""
    params = {**params, **({"state": request.state} if request.state is not None else {})}
    if request.response_mode == "form_post":
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
        body = f"""<form method="post" action="{escape(request.redirect_uri)}">{fields}
<noscript><button type="submit">Continue</button></noscript></form>
<script>document.forms[0].submit();</script>"""
        return HTMLResponse(_PAGE.format(title="Submit this form", body=body), headers=NO_STORE)
    if request.response_mode == "fragment":
        location = urlunsplit(urlsplit(request.redirect_uri)._replace(fragment=urlencode(params)))
    else:
        location = with_query(request.redirect_uri, params)
    return Response(status_code=302, headers={"Location": location, **NO_STORE})
