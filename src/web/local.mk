# xhsync-web: the FastCGI front (owned by the web layer).
