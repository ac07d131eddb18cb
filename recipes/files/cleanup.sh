#!/bin/sh
# Removes package caches so the exported disk holds no downloads (smaller, reproducible VHD).
set -eu
apt-get -y autoremove --purge
apt-get clean
rm -rf /var/lib/apt/lists/*
