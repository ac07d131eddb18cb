// Routes requests by longest path prefix, as XAPI's http_svr does (xapi.md §1.1): /jsonrpc,
// /import_raw_vdi[/], /export_raw_vdi[/], and every other POST (/, /RPC2, /xmlrpc) is XML-RPC.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Lab } from '../context.js';
import { handleExport } from './export.js';
import { handleImport } from './import.js';
import { htmlError } from './body.js';
import { type Dispatcher, handleJsonRpc, handleXmlRpc } from './rpc.js';

export interface Routes {
  lab: Lab | undefined;
  dispatch: Dispatcher;
  onError(error: unknown): void;
}

export function router(routes: Routes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://lab').pathname;
    const run = async (): Promise<void> => {
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'content-length': 0 });
        return void res.end();
      }
      if (path.startsWith('/jsonrpc') && req.method === 'POST') return handleJsonRpc(req, res, routes.dispatch);
      if (path.startsWith('/import_raw_vdi') && req.method === 'PUT' && routes.lab) return handleImport(routes.lab, req, res);
      if (path.startsWith('/export_raw_vdi') && req.method === 'GET' && routes.lab) return handleExport(routes.lab, req, res);
      if (req.method === 'POST') return handleXmlRpc(req, res, routes.dispatch);
      req.resume();
      htmlError(res, 404, `No handler for ${req.method ?? '?'} ${path}`);
    };
    run().catch((error: unknown) => {
      routes.onError(error);
      if (!res.headersSent) htmlError(res, 500, 'Internal error');
      else res.destroy();
    });
  };
}
