"""The bundled demo HTTP target: what loadtui load-tests when no host is configured."""
