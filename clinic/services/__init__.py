"""Every write to the practice core goes through a function here (HackSoft/Zulip style)."""
