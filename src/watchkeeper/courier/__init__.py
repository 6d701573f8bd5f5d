"""The courier: delivers committed side effects to their destinations in the background.

- `courier`: `Courier`, worker threads that claim ready effects, hand each to its deliverer and
  settle it (done, retried, or set aside with a notice), with leases so nothing is lost
- `deliverers`: `Deliverers`, which deliverer carries out each kind of effect
"""
