# Merged with the flake's `specialArgs` and clan-core's own
# `specialArgs.self = mkDefault config.self`.
{ lib, ... }:
{
  specialArgs.site = lib.mkDefault "home";
}
