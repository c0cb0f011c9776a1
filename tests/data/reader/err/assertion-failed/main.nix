let port = 80; in
assert port > 1024;
"unprivileged"
