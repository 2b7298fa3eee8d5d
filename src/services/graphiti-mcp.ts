import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { Service, ServiceProps, ServiceSpec } from '../model/service';

/**
 * The default image: an exact release (the `standalone` tag moves to each one). 1.0.2-standalone is
 * the release the contract below was read from (getzep/graphiti tag mcp-v1.0.2: Dockerfile.standalone,
 * CMD uv run --no-sync main.py, config/config-docker-falkordb.yaml), the newest MCP server release of
 * its repository as stored (2026-08).
 */
export const DEFAULT_GRAPHITI_IMAGE = 'docker.io/zepai/knowledge-graph-mcp:1.0.2-standalone';

/** Port the MCP server listens on (MCP_SERVER_PORT is not read by every release; keep the default). */
export const GRAPHITI_PORT = 8000;

/**
 * Keys the Graphiti MCP server receives by default: its LLM key and FalkorDB's password (list more,
 * e.g. ANTHROPIC_API_KEY, in services.graphiti.secretKeys when its config uses another provider).
 */
export const GRAPHITI_SECRET_KEYS: readonly string[] = ['OPENAI_API_KEY', 'FALKORDB_PASSWORD'];

export interface GraphitiMcpProps extends ServiceProps {
  /** Host port for the MCP endpoint. */
  readonly hostPort: number;
  /** redis:// URI of FalkorDB inside the pod. */
  readonly falkordbUri: string;
  /** FALKORDB_DATABASE. */
  readonly database: string;
}

/**
 * Capabilities the Graphiti MCP server keeps: a Python server (uv run --no-sync) that binds 8000 and
 * writes nothing it does not own: none. Not proven here (no image or stand-in in the e2e suite);
 * services.graphiti.extraCapabilities adds one back.
 */
export const GRAPHITI_CAPABILITIES: readonly Capability[] = [];

/**
 * Graphiti MCP server (getzep/graphiti mcp_server, Dockerfile.standalone: python:3.11-slim with
 * curl, CMD uv run --no-sync main.py) on port 8000, serving
 * http://localhost:8000/mcp/. It keeps its graph in FalkorDB, so it waits for FalkorDB.
 * OPENAI_API_KEY and FALKORDB_PASSWORD come from the env file.
 */
export class GraphitiMcp extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: GraphitiMcpProps,
  ) {
    super(scope, id);
  }

  get spec(): ServiceSpec {
    const p = this.props;
    return {
      name: this.name,
      description: 'Graphiti MCP server',
      image: p.image,
      // The standalone image's own CMD; it serves MCP over HTTP on MCP_SERVER_HOST:8000.
      entrypoint: ['uv', 'run', '--no-sync', 'main.py'],
      args: [],
      env: {
        // The FalkorDB profile shipped in the image (WORKDIR /app/mcp).
        CONFIG_PATH: '/app/mcp/config/config-docker-falkordb.yaml',
        FALKORDB_URI: p.falkordbUri,
        FALKORDB_DATABASE: p.database,
      },
      // No auth: the MCP endpoint reads and writes the graph for whoever reaches it.
      ports: [{ name: 'graphiti', containerPort: GRAPHITI_PORT, hostPort: p.hostPort, configField: 'services.graphiti.hostPort' }],
      publish: p.publish,
      mounts: [],
      // The image's own HEALTHCHECK: GET /health with its curl.
      health: { script: `curl -fsS -o /dev/null --max-time 3 http://127.0.0.1:${GRAPHITI_PORT}/health`, envKeys: [] },
      hostProbe: { port: 'graphiti', protocol: 'http', path: '/health' },
      dependsOn: p.dependsOn ?? [{ service: 'falkordb' }],
      secrets: { receives: p.secretKeys ?? GRAPHITI_SECRET_KEYS, envKeys: 'all' },
      capabilities: keptCapabilities(GRAPHITI_CAPABILITIES, p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
    };
  }
}
