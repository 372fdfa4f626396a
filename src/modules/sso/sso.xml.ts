import { createRequire } from 'node:module';

/*
 * A namespace-aware XML parser (@xmldom/xmldom, the one node-saml uses) behind a few types of
 * our own: its type declarations pull in the DOM lib, which would change Buffer's typing across
 * the whole project, so it is loaded with require and described here.
 */

export interface XmlElement {
  readonly nodeType: number;
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

interface XmlDocument {
  readonly documentElement: XmlElement | null;
}

interface DomParserClass {
  new (options: { errorHandler: Record<'warning' | 'error' | 'fatalError', (message: string) => void> }): {
    parseFromString(xml: string, mimeType: string): XmlDocument;
  };
}

const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: DomParserClass };

/** The root element of `xml`, or null when it is not well-formed. */
export function parseXml(xml: string): XmlElement | null {
  let broken = false;
  const flag = () => {
    broken = true;
  };
  const doc = new DOMParser({ errorHandler: { warning: () => undefined, error: flag, fatalError: flag } }).parseFromString(xml, 'text/xml');
  return broken ? null : doc.documentElement;
}

/** Element children of `parent` with this namespace and local name. */
export function childElements(parent: XmlElement, namespace: string, localName: string): XmlElement[] {
  return Array.from(parent.childNodes).filter((n) => n.nodeType === 1 && n.localName === localName && n.namespaceURI === namespace);
}
