"""Whether this process can do its work: the answer ``/readyz`` gives a load balancer."""
