"""A program with a bug, for the preview's error report."""

settings = {"size": "Standard_D4s_v3"}
print(settings["vmSize"])
