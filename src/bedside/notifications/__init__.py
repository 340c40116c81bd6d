"""Messages to patients' accounts (in-app inbox now; SMS and WeChat with the journey issue).
Subscribes to other domains' events; nothing imports its handlers."""
