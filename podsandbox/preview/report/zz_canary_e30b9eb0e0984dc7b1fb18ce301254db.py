# canary
