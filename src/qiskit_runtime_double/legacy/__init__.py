"""The 2023 era on our client: seed-era primitives and ``Options``, ``RuntimeOptions``, runtime
programs and result decoders, for code written against qiskit-ibm-runtime 0.11 to 0.15."""
