{ atelier, config, pkgs, lib, ... }:
{
  # Ten literal imports are read and parsed in parallel before evaluation;
  # a syntax error in one is still reported at its place, once, and the
  # generated module (not valid Nix here) is skipped without a report.
  imports = [
    ./services/s0.nix
    ./services/s1.nix
    ./services/s2.nix
    ./services/s3.nix
    ./services/s4.nix
    ./services/s5.nix
    ./services/s6.nix
    ./services/s7.nix
    ./services/s8.nix
    ./services/s9.nix
    ./generated/box.nix
  ];

  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
