# A flake option, on by default (mkDefault), read by the host's enable.
{ lib, ... }:
{
  options.site.enable = lib.mkOption { default = false; };
  config.site.enable = lib.mkDefault true;
}
