#!/usr/bin/env node
import '../dist/bin/podsg-cni.js';
