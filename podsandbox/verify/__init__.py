"""After `pulumi up`: prove that the untrusted pod runs on its own kernel."""
