"""Security sweep: the payload corpus in every form field each demo role can reach.

Forms are found from the pages themselves (tests/security/sweep.py): the policy matrix's GET
rows the role may open, the links and htmx fragments on them. For each form, each payload goes
into all its text fields at once (dates and numbers get one too). Never a 500, never a payload
unescaped in the answer. The roles run one after another on the same data, so what one stores
the next ones see; at the end every page and every Word, iCalendar, CSV and XLSX export each
role can reach is checked again with all the stored payloads in it.
"""
from __future__ import annotations

import time

from erbm_portal.extensions import limiter

from .sweep import Sweep

# Writers first (their payloads are stored for the others to see); the anonymous login form
# last, because its failed sign-ins count against the per-address throttle.
ORDER = ["secretariat", "co_chair", "member", "signatory", "partner", "observer", "admin", "anonymous"]


def _sign_in(client, login_as, role):
    with client.session_transaction() as sess:
        sess.clear()
    if role != "anonymous":
        login_as(role)


def test_payloads_in_every_form(app, client, login_as, demo, caplog):
    sweep = Sweep(app, client, caplog)
    report = []
    for role in ORDER:
        _sign_in(client, login_as, role)
        t0 = time.time()
        sweep.crawl(role)
        t1 = time.time()
        forms = sweep.to_sweep()
        for form in forms:
            sweep.attack(role, form)
        report.append(f"{role}: {len(sweep.pages[role])} pages, {len(forms)} new forms "
                      f"(crawl {t1 - t0:.1f} s, payloads {time.time() - t1:.1f} s)")
    limiter.reset()  # the anonymous sign-in attempts above are throttled, rightly
    for role in ORDER:
        _sign_in(client, login_as, role)
        t0 = time.time()
        sweep.recheck(role)
        report.append(f"{role}: pages and {len(sweep.files[role])} exports checked again in {time.time() - t0:.1f} s")
    print("\n".join(report), f"\n{sweep.submissions} submissions, {sum(sweep.stored.values())} accepted;",
          "one-shot forms gone once accepted:", *sweep.gone, sep="\n")
    assert sweep.problems == [], f"{len(sweep.problems)} problems:\n" + "\n".join(sweep.problems[:40])
    assert len(sweep.swept) >= 30, "the crawl found fewer forms than the application has"
    assert sum(sweep.stored.values()) >= 100, "too few payloads accepted: the sweep no longer stores anything"
