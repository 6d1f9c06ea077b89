"""In-app notifications, each person's email preferences per kind, and the daily digest.

Domains call ``services.notify(users, kind, title, url, body)`` in the
transaction of the change that causes it (after the change, before the
view's commit). ``url`` is a path inside the intranet; ``body`` is plain text
(the deadline, the comment...). Intended calls (the lead wires them):

====================  ==============================================================
kind                  when / to whom
====================  ==============================================================
convocation_sent      meeting convened: every convened person
agenda_changed        agenda edited after the convocation: convened people
minutes_in_review     minutes submitted for review: committee members (body: deadline)
minutes_published     minutes published: readers of the committee (or ``email=False``
                      for the whole COPIL audience, to spare inboxes)
signoff_requested     round opened: signatories of each named organisation
changes_requested     a party requested changes: the plan's co-chairs / the secretariat
plan_adopted          round complete: co-chairs, members and parties of the plan
agreement_in_force    agreement version in force: signatories of the parties
action_assigned       follow-up action given an owner: that person
action_overdue        daily job, actions past their due date: owner (+ co-chairs)
====================  ==============================================================

Emails go through ``delivery.deliver_email`` (point ``NOTIFICATION_EMAIL_BACKEND``
at the outbox's ``queue_mail``); ``flask --app wsgi erbm send-digests`` sends
the daily digest (cron, once a day).
"""
