"""Load test: N signed-in clients for D seconds, mixing the reads and writes of a committee day.

Stdlib only (threads + http.client). Each client signs in once through the real
login form (CSRF token read from the page), then loops: pick an action for its
persona, perform it like a browser would (read the page, then post the form found
in it, with htmx's HX-Request header where the page uses htmx), think, repeat.

An answer counts as an error unless it is the one the app should give:
200 for pages; for writes, the success status, or 409/422 where the app refuses
correctly (a stale agenda edit; a sign-off on a round closed meanwhile). Those
refusals are counted apart. Latency: time to the last byte, per request type.

    python bench/load.py --base http://127.0.0.1:8000 --plan plan.json --clients 50 --duration 60
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import re
import threading
import time
import urllib.parse
from collections import defaultdict
from html import unescape

META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
INPUT = re.compile(r"<input\b([^>]*)>", re.S)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
OPTION = re.compile(r"<option\b([^>]*)>", re.S)
NOTIF_FORM = re.compile(r'action="(/notifications/\d+/lue)"')

# Relative weights of actions per persona: reads dominate; writes are those real users make.
MIXES = {
    "co_chair": {"dashboard": 2, "committee": 1, "meeting": 2, "minutes": 2, "plan": 1, "signoff": 1, "search": 1,
                 "notifications": 1, "agenda_edit": 2, "comment": 1, "mark_read": 1},
    "member": {"dashboard": 2, "committee": 1, "meeting": 1, "minutes": 3, "search": 1, "notifications": 1,
               "comment": 2, "mark_read": 1},
    "signatory": {"dashboard": 2, "committee": 1, "meeting": 1, "minutes": 1, "plan": 2, "signoff": 3, "search": 1,
                  "notifications": 1, "decide": 1, "mark_read": 1},
    "secretariat": {"dashboard": 2, "committee": 2, "meeting": 2, "minutes": 2, "plan": 1, "signoff": 1,
                    "search": 2, "notifications": 1, "comment": 1, "mark_read": 1},
}
DEFAULT_MIX = {"dashboard": 3, "committee": 2, "meeting": 2, "minutes": 2, "plan": 1, "signoff": 1, "search": 2,
               "notifications": 1, "mark_read": 1}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)  # type -> [ms]
        self.status = defaultdict(lambda: defaultdict(int))  # type -> status -> count
        self.refusals = defaultdict(int)  # "type 409" -> count (correct refusals)
        self.errors = []  # (type, status, path, excerpt)
        self.window = (float("inf"), float("inf"))  # requests started inside it are counted
        self.signed_in = threading.Semaphore(0)
        self.stop = threading.Event()

    def add(self, kind, status, started, ms, path, ok, refusal, body):
        with self.lock:
            if not self.window[0] <= started < self.window[1] and kind not in ("login", "login_form"):
                return
            self.latency[kind].append(ms)
            self.status[kind][status] += 1
            if refusal:
                self.refusals[f"{kind} {status}"] += 1
            elif not ok:
                self.errors.append((kind, status, path, body[:300]))


class Client:
    def __init__(self, base: str, account: dict, password: str, stats: Stats, think: tuple[float, float], seed: int):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.account, self.password, self.stats, self.think = account, password, stats, think
        self.rng = random.Random(seed)
        self.conn = None
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        mix = MIXES.get(account["persona"], DEFAULT_MIX)
        self.actions = [a for a in mix if self._possible(a)]
        self.weights = [mix[a] for a in self.actions]

    def _possible(self, action: str) -> bool:
        a = self.account
        need = {"committee": a["committees"], "meeting": a["meetings"], "minutes": a["minutes"],
                "plan": a["plans"], "signoff": a["rounds"], "decide": a["rounds"], "agenda_edit": a["agenda_items"],
                "comment": [m for m in a["minutes"] if m["review"]]}
        return bool(need.get(action, True))

    # --- HTTP -------------------------------------------------------------------------------

    def request(self, kind, method, path, data=None, hx=False, ok=(200,), refusals=()):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if hx:
            headers["HX-Request"] = "true"
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        start = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            self.stats.add(kind, 0, start, (time.perf_counter() - start) * 1000, path, False, False, repr(exc))
            return 0, ""
        ms = (time.perf_counter() - start) * 1000
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if resp.getheader("Connection", "").lower() == "close" or resp.will_close:
            self.conn.close()
            self.conn = None
        token = META_CSRF.search(text)
        if token:
            self.csrf = unescape(token.group(1))
        self.stats.add(kind, status, start, ms, path, status in ok, status in refusals, text)
        return status, text

    def login(self) -> bool:
        _, _ = self.request("login_form", "GET", "/connexion")
        status, _ = self.request("login", "POST", "/connexion", {
            "email": self.account["email"], "password": self.password, "csrf_token": self.csrf}, ok=(303,))
        return status == 303

    # --- actions ----------------------------------------------------------------------------

    def pick(self, key):
        return self.rng.choice(self.account[key])

    def run(self, ramp_end: float) -> None:
        self._sleep_until(self.rng.uniform(time.monotonic(), ramp_end))
        ok = self.login()
        self.stats.signed_in.release()
        if not ok:
            return
        while not self.stats.stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            getattr(self, "do_" + action)()
            time.sleep(self.rng.uniform(*self.think))
        if self.conn is not None:
            self.conn.close()

    @staticmethod
    def _sleep_until(when: float) -> None:
        time.sleep(max(0.0, when - time.monotonic()))

    def do_dashboard(self):
        self.request("dashboard", "GET", "/")

    def do_committee(self):
        self.request("committee", "GET", f"/comites/{self.pick('committees')}")

    def do_meeting(self):
        self.request("meeting", "GET", f"/reunions/{self.pick('meetings')}")

    def do_minutes(self):
        self.request("minutes", "GET", f"/releves/{self.pick('minutes')['id']}")

    def do_plan(self):
        self.request("plan", "GET", f"/plans/{self.pick('plans')}")

    def do_signoff(self):
        self.request("signoff", "GET", f"/validations/{self.pick('rounds')}")

    def do_search(self):
        q = urllib.parse.quote(self.rng.choice(self.account["search"]))
        self.request("search", "GET", f"/recherche?q={q}")

    def do_notifications(self):
        self.request("notifications", "GET", "/notifications/")

    def do_comment(self):
        minutes = self.rng.choice([m for m in self.account["minutes"] if m["review"]])
        status, page = self.request("minutes", "GET", f"/releves/{minutes['id']}")
        section = self.rng.choice(minutes["sections"])
        action = f"/releves/{minutes['id']}/sections/{section}/commentaires"
        fields = form_fields(page, action) if status == 200 else None
        if fields is None:
            return
        time.sleep(self.rng.uniform(*self.think))  # typing
        fields["body"] = f"Remarque de relecture n° {self.rng.randint(1, 10**6)} : formulation à préciser."
        self.request("comment", "POST", action, fields, hx=True)

    def do_agenda_edit(self):
        meeting_id, item_id = self.pick("agenda_items")
        path = f"/reunions/{meeting_id}/ordre-du-jour/{item_id}/modifier"
        status, fragment = self.request("agenda_edit_form", "GET", path, hx=True)
        fields = form_fields(fragment, path) if status == 200 else None
        if fields is None:
            return
        time.sleep(self.rng.uniform(*self.think))  # typing
        fields["edit-duration"] = str(self.rng.randint(10, 45))
        fields["edit-notes"] = f"Mis à jour en séance ({self.rng.randint(1, 10**6)})."
        # 409: a co-chair saved the same item since this form was read (correct answer, counted apart).
        self.request("agenda_edit", "POST", path, fields, hx=True, refusals=(409,))

    def do_mark_read(self):
        status, page = self.request("notifications", "GET", "/notifications/")
        unread = NOTIF_FORM.findall(page) if status == 200 else []
        if unread:
            self.request("mark_read", "POST", unread[0], {"csrf_token": self.csrf}, hx=True)
        else:
            self.request("mark_all_read", "POST", "/notifications/tout-lire", {"csrf_token": self.csrf}, hx=True)

    def do_decide(self):
        round_id = self.pick("rounds")
        path = f"/validations/{round_id}/decision"
        status, page = self.request("signoff", "GET", f"/validations/{round_id}")
        fields = form_fields(page, path) if status == 200 else None
        if fields is None:
            return  # nothing to sign for this person (already decided, or not a party): a real user stops here
        time.sleep(self.rng.uniform(*self.think))
        fields["decision"] = "approved"
        fields["comment"] = "Approuvé pour notre organisation."
        # 409: the round closed (another party's decision completed it) since the page was read.
        self.request("decide", "POST", path, fields, ok=(303,), refusals=(409,))


def form_fields(html: str, action: str) -> dict | None:
    """The fields a browser would send for the form posting to `action` (None when absent)."""
    for attrs, inner in FORM.findall(html):
        if dict(ATTR.findall(attrs)).get("action") != action:
            continue
        fields = {}
        for raw in INPUT.findall(inner):
            a = dict(ATTR.findall(raw))
            if "name" not in a or a.get("type") in ("file", "submit"):
                continue
            if a.get("type") in ("radio", "checkbox") and "checked" not in raw:
                continue
            fields[a["name"]] = unescape(a.get("value", ""))
        for raw, text in TEXTAREA.findall(inner):
            a = dict(ATTR.findall(raw))
            if "name" in a:
                fields[a["name"]] = unescape(text.lstrip("\n"))
        for raw, options in SELECT.findall(inner):
            a = dict(ATTR.findall(raw))
            chosen = [o for o in OPTION.findall(options) if re.search(r"\bselected\b", o)] or OPTION.findall(options)[:1]
            if "name" in a and chosen:
                fields[a["name"]] = unescape(dict(ATTR.findall(chosen[0])).get("value", ""))
        return fields
    return None


def server_cpu_seconds(master_pid: int | None) -> float | None:
    """User+system CPU of a gunicorn master's workers (Linux /proc), or None."""
    if not master_pid:
        return None
    try:
        children = open(f"/proc/{master_pid}/task/{master_pid}/children").read().split()
        ticks = 0
        for pid in [str(master_pid), *children]:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def summarise(stats: Stats, seconds: float) -> dict:
    rows, everything = {}, []
    for kind, values in sorted(stats.latency.items()):
        if kind not in ("login", "login_form"):
            everything += values
        rows[kind] = {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
                      "p99": percentile(values, 99), "max": max(values),
                      "statuses": dict(sorted(stats.status[kind].items()))}
    overall = {"n": len(everything), "p50": percentile(everything, 50), "p95": percentile(everything, 95),
               "p99": percentile(everything, 99), "max": max(everything)} if everything else {}
    return {"seconds": round(seconds, 1), "requests": overall.get("n", 0),
            "rps": round(overall.get("n", 0) / seconds, 1) if seconds else 0, "errors": len(stats.errors),
            "refusals": dict(stats.refusals), "overall": overall, "by_type": rows,
            "error_examples": stats.errors[:10]}


def print_report(summary: dict) -> None:
    print(f"all clients signed in after {summary['logins_done_after_s']} s")
    print(f"measured {summary['seconds']} s: {summary['requests']} requests ({summary['rps']}/s), "
          f"errors {summary['errors']}, correct refusals {summary['refusals'] or 0}")
    print(f"{'type':<18}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses")
    for kind, r in list(summary["by_type"].items()) + [("OVERALL (no login)", summary["overall"])]:
        if r:
            print(f"{kind:<18}{r['n']:>7}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}{r['max']:>9.0f}"
                  f"  {r.get('statuses', '')}")
    if "server_cpu_s" in summary:
        print(f"server CPU in the window: {summary['server_cpu_s']} s, "
              f"{summary['server_cpu_ms_per_request']} ms per request; load generator CPU: "
              f"{summary['client_cpu_s']} s")
    for example in summary["error_examples"]:
        print("ERROR", example)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which the clients sign in")
    parser.add_argument("--think", default="1,3", help="think time between actions, min,max seconds")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--server-pid", type=int, help="gunicorn master pid: report the workers' CPU time")
    args = parser.parse_args()
    plan = json.loads(open(args.plan, encoding="utf-8").read())
    accounts = plan["accounts"][: args.clients]
    if len(accounts) < args.clients:
        parser.error(f"the plan has {len(accounts)} accounts, fewer than {args.clients} clients")
    think = tuple(float(x) for x in args.think.split(","))
    stats = Stats()
    start = time.monotonic()
    clients = [Client(args.base, a, plan["password"], stats, think, args.seed + n) for n, a in enumerate(accounts)]
    threads = [threading.Thread(target=c.run, args=(start + args.ramp,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for _ in clients:  # the measured window starts once every client has signed in
        if not stats.signed_in.acquire(timeout=max(1.0, start + args.ramp + 300 - time.monotonic())):
            parser.exit(1, "clients still signing in after the ramp + 300 s: giving up\n")
    logins_done = time.monotonic() - start
    time.sleep(2)  # let the first pages after sign-in settle
    window_start = time.perf_counter()
    cpu_before = server_cpu_seconds(args.server_pid)
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    with stats.lock:
        stats.window = (window_start, window_start + args.duration)
    time.sleep(args.duration)
    cpu_after = server_cpu_seconds(args.server_pid)
    client_after = resource.getrusage(resource.RUSAGE_SELF)
    stats.stop.set()  # requests started in the window and still in flight are waited for and counted
    for t in threads:
        t.join(timeout=90)
    summary = summarise(stats, args.duration)
    summary["logins_done_after_s"] = round(logins_done, 1)
    summary["client_cpu_s"] = round(client_after.ru_utime + client_after.ru_stime
                                    - client_before.ru_utime - client_before.ru_stime, 1)
    if cpu_before is not None and cpu_after is not None and summary["requests"]:
        summary["server_cpu_s"] = round(cpu_after - cpu_before, 1)
        summary["server_cpu_ms_per_request"] = round(1000 * (cpu_after - cpu_before) / summary["requests"], 1)
    summary.update(clients=args.clients, think=list(think), ramp=args.ramp, base=args.base)
    print_report(summary)
    if args.json:
        open(args.json, "w", encoding="utf-8").write(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
