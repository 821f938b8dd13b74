"""Every state change of an application, one service each, in a module per side.

applying: the learner's (start, save a response, submit, withdraw); reviewing: the
assessor's (claim, release, request changes, reject, approve); snapshots: freezing the
evidence of a submitted round; periodic: the scheduled jobs; locking: the row lock they
share. Import from those modules: this package re-exports nothing.

Each entry point locks the application row, refuses an illegal step with a domain error
before writing, records one event (assessments.verbs; a status transition's event is the
application's history). The people concerned are told by assessments.subscribers, which react
to those events inside the same transaction, so each notification commits with its change and
is e-mailed after commit (see portfolio.services.notifications).
"""
