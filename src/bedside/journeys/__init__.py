"""The patient's next step (事找人办): what to do now and why, from the other domains' states."""
