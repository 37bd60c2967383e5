"""The shared template library shipped with Tandem, loaded by a data migration."""

LIBRARY = [
    # Journaling for emotional expression
    {
        "slug": "daily-mood-journal",
        "kind": "journal",
        "completes_by": "mood",
        "title": "Daily mood and thoughts",
        "instructions": "Take five quiet minutes at the end of the day.\n\n"
        "- Rate your mood from 0 to 10.\n- Name the emotions you noticed.\n"
        "- Write a few lines about what stayed with you today.",
        "frequency": "daily",
    },
    {
        "slug": "gratitude",
        "kind": "journal",
        "completes_by": "words",
        "title": "Three good things",
        "instructions": "Write down **three things** that went well today, however small, "
        "and what part you played in them.",
        "frequency": "daily",
    },
    {
        "slug": "thought-record",
        "kind": "journal",
        "completes_by": "words",
        "title": "Thought record",
        "instructions": "When you notice a strong feeling, write down:\n\n"
        "- the situation\n- the automatic thought\n- the feeling and how strong it was\n"
        "- a more balanced thought.",
        "frequency": "weekly",
        "times_per_week": 3,
        "target_value": 3,
        "target_unit": "entries",
    },
    {
        "slug": "trigger-log",
        "kind": "journal",
        "completes_by": "entry",
        "title": "Trigger log",
        "instructions": "Note what set off a difficult moment, what you felt, and what you did "
        "to cope. Patterns become clearer over a few weeks.",
        "frequency": "weekly",
        "times_per_week": 2,
    },
    # A healthy lifestyle
    {
        "slug": "sleep-routine",
        "kind": "lifestyle",
        "title": "Sleep routine",
        "instructions": "Go to bed and get up at about the same time. Put screens away 30 "
        "minutes before bed.",
        "frequency": "daily",
        "target_value": 7,
        "target_unit": "hours",
    },
    {
        "slug": "exercise-minutes",
        "kind": "lifestyle",
        "title": "Move your body",
        "instructions": "Any movement counts: a brisk walk, cycling, dancing, a class.",
        "frequency": "weekly",
        "times_per_week": 3,
        "target_value": 30,
        "target_unit": "minutes",
    },
    {
        "slug": "regular-meals",
        "kind": "lifestyle",
        "title": "Regular meals",
        "instructions": "Eat three meals at regular times, and notice how you feel afterwards.",
        "frequency": "daily",
        "target_value": 3,
        "target_unit": "times",
    },
    {
        "slug": "time-outdoors",
        "kind": "lifestyle",
        "title": "Time outdoors",
        "instructions": "Spend time outside in daylight, ideally in the morning.",
        "frequency": "daily",
        "target_value": 20,
        "target_unit": "minutes",
    },
    # Social interaction and long-term relationships
    {
        "slug": "reach-out",
        "kind": "social",
        "title": "Reach out to someone",
        "instructions": "Call, message or visit someone you care about. A short check-in is "
        "enough.",
        "frequency": "weekly",
        "times_per_week": 2,
        "target_value": 2,
        "target_unit": "contacts",
    },
    {
        "slug": "shared-activity",
        "kind": "social",
        "title": "Plan a shared activity",
        "instructions": "Plan something to do with another person: a meal, a walk, a game.",
        "frequency": "weekly",
        "times_per_week": 1,
    },
    {
        "slug": "join-group",
        "kind": "social",
        "title": "Join a group",
        "instructions": "Find a group, class or club that meets regularly and go once.",
        "frequency": "once",
    },
    {
        "slug": "help-someone",
        "kind": "social",
        "title": "Do something for someone else",
        "instructions": "Offer help, a favour or a kind word. Mutual support keeps "
        "relationships strong.",
        "frequency": "weekly",
        "times_per_week": 1,
    },
    # Checklists
    {
        "slug": "breathing",
        "kind": "checklist",
        "title": "Breathing exercise",
        "instructions": "Breathe in for 4, hold for 4, out for 6. Repeat for five minutes.",
        "frequency": "daily",
        "target_value": 5,
        "target_unit": "minutes",
    },
]


def install(template_model) -> None:
    """Create or refresh the shared templates (a migration passes its historical model,
    which may not have every field yet)."""
    known = {f.name for f in template_model._meta.get_fields()}
    for entry in LIBRARY:
        fields = {k: v for k, v in entry.items() if k != "slug" and k in known}
        template_model.objects.update_or_create(slug=entry["slug"], owner=None, defaults=fields)
