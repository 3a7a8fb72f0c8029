/** The nodes' primary CNI in dev: ptp with host-local addresses kept in `ipamDir`. */
export function devPrimaryConflist(ipamDir: string): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'podsg-dev',
      plugins: [
        {
          type: 'ptp',
          ipMasq: false,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.0.0/24' }]], dataDir: ipamDir },
        },
      ],
    },
    null,
    2,
  )}\n`;
}
