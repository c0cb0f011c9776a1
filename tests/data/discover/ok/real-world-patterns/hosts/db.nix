{ ... }:
{
  # The shop module is imported here too, but not enabled: nothing to back up.
}
