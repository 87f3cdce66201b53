# xhsync: the operator's command line.
