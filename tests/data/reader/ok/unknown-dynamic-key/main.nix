# A key computed from an unknown: known keys stay readable.
{ pkgs, ... }:
{
  known = "yes";
  ${pkgs.system} = "per-system";
  merged = { a = 1; } // { b = pkgs.lib.version; };
}
