# Every service of the flake; `wiki.nix` is imported a second time by the
# host (the module system imports a file once).
{
  imports = [
    ./wiki.nix
    ./blog.nix
    ./photos.nix
    ./notes.nix
  ];
}
