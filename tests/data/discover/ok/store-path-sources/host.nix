{ ... }:
{
  # A module named through its store path (`"${./modules}/…"`, as some
  # flakes write it) is still the flake's own file.
  imports = [ "${./modules}/wiki.nix" ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
