"""The demo and scale data generators: `manage.py seed_demo` and `manage.py seed_scale`.

Installed only in debug, demo or test mode (rapport/settings.py); production settings never list it and no
production module imports it. It writes through the apps' services (the demo practice) or their bulk paths
(the scale practice: encryption and the audit chain are the real ones) and never patches production code:
the demo's past is dated by freezing the clock (demo.clock) and signatures re-authenticate with the real
demo password.

    practice.py        the demo practice: staff, clients, couples (clinic services)
    stories.py         what happens to each demo couple (plain data)
    clock.py           running a service call at a past moment (time-machine)
    plans.py           the demo couples' plans, measures and between-session work (plans services)
    phrases.py         the sentences the demo's notes are composed from (plain data)
    notes.py           the demo couples' sessions and notes (notes services)
    scale/practice.py  seed_scale's practice, staff, clients and couples, and the batch writer
    scale/plans.py     seed_scale's plans and measures
    scale/notes.py     seed_scale's sessions and notes
"""
