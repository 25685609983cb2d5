"""Karpenter's Kata node class and pool as this project deploys them (`node_pool.py`)."""
