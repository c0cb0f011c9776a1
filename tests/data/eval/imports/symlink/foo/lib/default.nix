"foo/lib, next to the symlink as written"
